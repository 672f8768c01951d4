# FaRLft evaluated with an exponential moving average of the weights (decay
# 0.999, the authors' code); mmengine's EMAHook swaps it in for val/test.
_base_ = ['./lapa_upernet_ft.py']
custom_hooks = [*_base_.custom_hooks, dict(type='EMAHook', momentum=0.001)]
