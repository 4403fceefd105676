"""SIP and media layer on pjsua2 (the only package that imports pjsua2).

Media: `endpoint.MediaEndpoint` owns the process's single pjsua2 Endpoint (worker threads off,
pumped by the owner thread, 8 kHz conference bridge with 10 ms frames clocked by the null
sound device). Analog ports are custom media ports on that bridge (`analog`), fed through
bounded ring buffers (`ringbuf`, `frames`); tones, prompts and recorders (`players`) and,
later, SIP calls are ports on the same bridge, so connecting two parties is one `bridge`
operation. Threading rules are in each module's docstring.
"""
