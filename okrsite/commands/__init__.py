"""Commands that combine stages: they read other revisions or edit the content, so
they live above the pipeline rather than in it.

    pr_diff(settings, base, head=None, as_of=...) -> PRDiff             # prdiff.py
    BlobIndex(cache_dir): what diff knows of documents it does not load   # blobindex.py
    change_control(repo_dir, content_dir, base_rev, as_of) -> [Diagnostic]  # control.py
    new_period(content_dir, id) -> NewPeriod                            # newperiod.py
    codeowners(content, content_rel) -> CodeOwners                      # codeowners.py
    init(dir, name, period) -> Written: a company's repository          # init.py
    import_okrs(content, content_dir, csv) -> Imported                  # importokrs.py
    export_schemas(out) -> Written                                      # schemaexport.py
    write_new(files, what) -> Written: all new files or none            # newfiles.py
"""
