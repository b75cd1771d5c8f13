#include "DecodeBaselines.h"
int decode_baselines_placeholder(void) { return 0; }
