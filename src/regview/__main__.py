from regview.cli import main

raise SystemExit(main())
