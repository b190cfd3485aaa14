from sbkube_ci.cli import main

main()
