"""The league-wide teacher pool (师资库) and the course menu branches order from."""

from django.db import models
from django.urls import reverse

from alxa_dangjian.core.collation import PINYIN
from branches.models.members import mask_phone

from .rules import CourseForm


class TeacherQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Teacher.Status.APPROVED)

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            models.Q(name__icontains=text)
            | models.Q(unit__icontains=text)
            | models.Q(topics__icontains=text)
        )


class Teacher(models.Model):
    class Source(models.TextChoices):
        SELF = "self", "个人自荐"
        TRAINED = "trained", "组织培养"
        NOMINATED = "nominated", "单位推选"

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已入库"
        RETIRED = "retired", "已停用"

    name = models.CharField("姓名", max_length=50, db_collation=PINYIN)
    unit = models.CharField("工作单位", max_length=100)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    topics = models.CharField("擅长专题", max_length=300, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    member = models.ForeignKey(
        "branches.Member",
        verbose_name="对应党员",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teacher_profiles",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = TeacherQuerySet.as_manager()

    class Meta:
        verbose_name = "师资"
        verbose_name_plural = "师资库"
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("training:teacher-detail", args=[self.pk])

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class CourseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Course(models.Model):
    """A dish on the menu (菜单): what a branch may order (点菜) or be assigned (配菜)."""

    title = models.CharField("课程名称", max_length=100)
    form = models.CharField("课程形式", max_length=20, choices=CourseForm.choices)
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1)
    teacher = models.ForeignKey(
        Teacher,
        verbose_name="授课教师",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
    )
    description = models.TextField("课程简介", blank=True)
    is_active = models.BooleanField("上架", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程菜单"
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="training_course_hours"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:course-detail", args=[self.pk])
