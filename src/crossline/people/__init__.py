"""Person records per owning organisation, and identity resolution across organisations.

So far: linkage (``crossline.people.linkage``), which links files of person
records probabilistically without any record passing through the store.
"""
