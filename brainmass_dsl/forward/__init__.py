"""Forward models from region signals to sensors, on saved results or arrays (brainmass names).

    import brainmass_dsl as bm
    lf = bm.forward.synthetic_leadfield()              # 68 regions x 64 electrodes, V/(A*m)
    eeg = bm.EEGLeadFieldModel(68, 64, lf.quantity, noise_cov=1e-6 * np.eye(64), seed=0)
    sensors = eeg.observe(result)                      # a Result: "eeg" (time, 64) in mV

Modules: `leadfield` (the models), `readout` (`LeadfieldReadout`), `weights` (vertex -> region
reduction), `sensor_noise`, `units`, `fields` (`LeadField`), `synthetic` (the bundled default),
`mne_io` (MNE-Python lead fields: optional).
"""
from .fields import LeadField
from .leadfield import EEGLeadFieldModel, LeadFieldModel, MEGLeadFieldModel
from .mne_io import leadfield_from_forward, make_sphere_forward, read_leadfield, sphere_leadfield
from .readout import LeadfieldReadout
from .synthetic import synthetic_leadfield
from .weights import build_fixed_orientation_weights, compress_vertex_leadfield

__all__ = ["LeadField", "LeadFieldModel", "EEGLeadFieldModel", "MEGLeadFieldModel",
           "LeadfieldReadout", "compress_vertex_leadfield", "build_fixed_orientation_weights",
           "synthetic_leadfield", "sphere_leadfield", "read_leadfield", "make_sphere_forward",
           "leadfield_from_forward"]
