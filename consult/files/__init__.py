"""Files people send: accepted by their content, kept in the database, served as downloads.

A submission's attachments and an offline activity's files are both :class:`Attachment`
rows; :mod:`.uploads` decides what is accepted, :mod:`.downloads` hands a file out with
headers that keep it from running in our origin.
"""
