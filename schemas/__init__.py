"""The input contract, the reference data and the pandera schemas that validate inputs."""
