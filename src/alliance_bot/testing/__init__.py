"""Test support shipped with the package: fakes that record what happened, instead of mocks."""
