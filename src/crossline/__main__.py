from crossline.cli.main import app

app(prog_name="crossline")
