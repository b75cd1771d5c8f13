int decode_baselines_placeholder(void);
