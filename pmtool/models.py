"""Core data: people, workspaces and roles, products, API tokens, the activity log.

Models hold data and database constraints only; every workflow lives in
services.py, every non-trivial read in selectors.py.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address and a password."""

    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Workspace(models.Model):
    """A tenant: a team's products, members and everything inside them."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("workspace_id", "id")
        constraints = [
            models.UniqueConstraint(fields=("workspace", "user"), name="membership_unique_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        # Stored as the activity log's target name: the person, without a query when the user is not loaded.
        if Membership._meta.get_field("user").is_cached(self):
            return self.user.email
        return f"user {self.user_id}"


class Invitation(models.Model):
    """An e-mailed invitation to join a workspace.

    The link carries a token signed with SECRET_KEY over (id, nonce): the database
    alone cannot forge one, and revoking or re-sending changes the nonce.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    nonce = models.CharField(max_length=32)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class LifecycleStage(models.TextChoices):
    IDEA = "idea", "Idea"
    DEVELOPMENT = "development", "Development"
    LAUNCH = "launch", "Launch"
    GROWTH = "growth", "Growth"
    MATURITY = "maturity", "Maturity"
    DECLINE = "decline", "Decline"


class Product(models.Model):
    """A product inside a workspace. The reference slice every later feature copies."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True, max_length=5000)
    stage = models.CharField(max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.IDEA)
    archived_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=("workspace", "slug"), name="product_unique_slug"),
            models.CheckConstraint(condition=Q(stage__in=LifecycleStage.values), name="product_stage_valid"),
        ]
        indexes = [models.Index(fields=("workspace", "name", "id"), name="product_ws_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiToken(models.Model):
    """A personal API token. The secret is shown once; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.WRITE)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ActivityEvent(models.Model):
    """One write: who did what to which object, which fields changed, when.

    Written by services through `pmtool.activity.activity_record` (one INSERT).
    Read per object (target_type, target_id), per product and per workspace,
    newest first; each read has its own index.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the actor was called at the time: survives user deletion, names system tasks.
    actor_label = models.CharField(max_length=160)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.BigIntegerField()
    target_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=40)
    # {"field": {"from": old, "to": new}, ...}; JSON-safe values only.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("workspace", "-created_at", "-id"), name="activity_ws_time"),
            models.Index(fields=("target_type", "target_id", "-created_at", "-id"), name="activity_target"),
            models.Index(fields=("product", "-created_at", "-id"), name="activity_product"),
            models.Index(fields=("actor_user", "-created_at"), name="activity_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_repr}"

    @property
    def target_kind(self) -> str:
        """What the target is, in words ("key result", "product"); no query (content types are cached)."""
        model = self.target_type.model_class()
        return str(model._meta.verbose_name) if model is not None else self.target_type.model
