from .classes import ClassSession, Enrollment, TrainingClass
from .orders import CourseOrder
from .rules import Audience, CourseForm, HourCounting, HourRule, SchemeComponent, TrainingScheme
from .teachers import Course, Teacher
from .xuexi import XuexiScore

__all__ = [
    "Audience",
    "ClassSession",
    "Course",
    "CourseForm",
    "CourseOrder",
    "Enrollment",
    "HourCounting",
    "HourRule",
    "SchemeComponent",
    "Teacher",
    "TrainingClass",
    "TrainingScheme",
    "XuexiScore",
]
