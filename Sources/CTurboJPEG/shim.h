// CTurboJPEG: TurboJPEG (libjpeg-turbo 2.1) imported as it is; its API never aborts or longjmps.
#ifndef CTURBOJPEG_SHIM_H
#define CTURBOJPEG_SHIM_H
#include <turbojpeg.h>
#endif
