from qa_audit.cli import main

raise SystemExit(main())
