from inpaint_desktop.cli import main

raise SystemExit(main())
