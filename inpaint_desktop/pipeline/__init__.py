"""The edit pipeline: one path from a frozen job to saved results, shared by the GUI and the CLI.

plan the upload (``upload.plan_upload``) → fit or crop, encode image and mask (``upload.build_request``)
→ call the backend → decode → map back to the photo's size → paste a crop back → protected composite
→ drift (``variants.process_variant``) → save (``run.run_job``). No Qt anywhere: the GUI's job
worker only turns the arrays it returns into QImages.
"""
