from vessels.cli import main

raise SystemExit(main())
