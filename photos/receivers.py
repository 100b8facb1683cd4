"""Stored files leave with their photo, whoever deletes it (page, admin, account cascade)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from photos.models import Photo


@receiver(post_delete, sender=Photo, dispatch_uid="photos_delete_files")
def delete_photo_files(sender, instance: Photo, **kwargs) -> None:
    names = instance.stored_files
    storage = instance.master.storage

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
