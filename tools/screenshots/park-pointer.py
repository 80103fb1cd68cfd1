# park-pointer.py: moves the X pointer to the bottom-right corner of the
# screen (outside the window), so no tooltip shows in a screenshot.
import ctypes
x = ctypes.CDLL('libX11.so.6')
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
d = x.XOpenDisplay(None)
x.XDefaultRootWindow.restype = ctypes.c_ulong
x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
root = x.XDefaultRootWindow(d)
x.XWarpPointer.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_uint, ctypes.c_uint, ctypes.c_int, ctypes.c_int]
x.XWarpPointer(d, 0, root, 0, 0, 0, 0, 1395, 895)
x.XFlush.argtypes = [ctypes.c_void_p]
x.XFlush(d)
x.XCloseDisplay.argtypes = [ctypes.c_void_p]
x.XCloseDisplay(d)
