"""Reading answers of Django's test client."""


def read_and_close(answer):
    """The answer's bytes; a file answer's file is closed here (``answer.close()`` would also close the
    database connection the test goes on using)."""
    if not answer.streaming:
        return answer.content
    data = b"".join(answer.streaming_content)
    for close in answer._resource_closers:
        close()
    return data
