from gonogo.cli._main import run

run()
