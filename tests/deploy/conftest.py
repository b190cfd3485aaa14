pytest_plugins = ["tests.fakekube.fixture"]
