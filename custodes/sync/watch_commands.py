def register_watch(group):
    pass
