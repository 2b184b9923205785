"""Every write of cadre training, one module per thing written: `orders` (点菜 / 配菜 and
scheduling an order), `classes` (classes, their timetable, enrolment and sign-in), `schemes`
(培训方案)."""
