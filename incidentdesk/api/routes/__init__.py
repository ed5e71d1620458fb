"""The API's operations, one router per subject. Each operation names its `operation_id`."""
