"""Forms of cadre training, one module per screen family: `rules`, `teachers`, `orders`,
`classes`."""
