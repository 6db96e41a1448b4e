from rest_framework.permissions import BasePermission


class IsAdminRole(BasePermission):
    """Users with role `admin`."""

    message = "Only admins may do this."

    def has_permission(self, request, view):
        return bool(request.user and getattr(request.user, "is_admin", False))


class IsOperatorRole(BasePermission):
    """Users with role `operator` or `admin`."""

    message = "Only operators and admins may do this."

    def has_permission(self, request, view):
        return bool(request.user and getattr(request.user, "is_operator", False))
