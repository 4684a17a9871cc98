import unittest

import sensors


class SensorsTest(unittest.TestCase):
    def test_without_thermal_sensors(self):
        self.assertFalse(sensors.available())
        self.assertFalse(hasattr(sensors, "ThermalProbe"))
        self.assertFalse(hasattr(sensors, "ThermalError"))


if __name__ == "__main__":
    unittest.main()
