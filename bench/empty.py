"""The baseline's job: nothing, in a module that imports nothing."""


def empty_job() -> None:
    return None
