#!/usr/bin/python3
"""Asks X windows to close as a window manager's close button does: a WM_DELETE_WINDOW
client message (ICCCM 4.2.8.1). Under Xvfb there is no window manager to send one.

Usage: wm-close.py WINDOW_ID...   (decimal or 0x hex, as xdotool prints them)
Debian's python3-xlib; run with /usr/bin/python3 (scripts/deps.sh installs it there).
"""
import sys

from Xlib import X, display, protocol


def main(ids):
    if not ids:
        sys.exit("usage: wm-close.py WINDOW_ID...")
    d = display.Display()
    wm_protocols = d.intern_atom("WM_PROTOCOLS")
    wm_delete = d.intern_atom("WM_DELETE_WINDOW")
    for raw in ids:
        window = d.create_resource_object("window", int(raw, 0))
        if wm_delete not in (window.get_wm_protocols() or []):
            sys.exit(f"window {raw} does not take WM_DELETE_WINDOW")
        event = protocol.event.ClientMessage(
            window=window, client_type=wm_protocols, data=(32, [wm_delete, X.CurrentTime, 0, 0, 0])
        )
        window.send_event(event, event_mask=X.NoEventMask)
    d.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
