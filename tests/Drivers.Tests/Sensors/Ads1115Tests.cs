using SensorOdl.Drivers.Features;
using SensorOdl.Drivers.Sensors;
using SensorOdl.Drivers.Sensors.Ads1115;
using SensorOdl.Drivers.Tests.Fakes;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Sensors;

public class Ads1115Tests
{
    [Fact]
    public void Ads1115_reads_the_selected_input_in_volts_through_the_binding()
    {
        var chip = new FakeAds1115();
        chip.InputVolts[0] = 0.5;
        chip.InputVolts[2] = 1.25;
        using var sensor = new PolledSensor(new Ads1115Adc(chip, input: 2, rangeVolts: 2.048), 800, 16, new FakePacer());
        var frame = sensor.CreateFrame();

        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));

        Assert.Equal(860, sensor.Format.SampleRateHz);
        Assert.Equal(0x6, (chip.Config >> 12) & 0x7); // MUX: AIN2 vs GND
        Assert.Equal(0x2, (chip.Config >> 9) & 0x7);  // PGA: ±2.048 V
        Assert.Equal(0x7, (chip.Config >> 5) & 0x7);  // DR: 860 SPS
        Assert.Equal(0, (chip.Config >> 8) & 0x1);    // continuous
        Assert.All(frame.Channel(0).ToArray(), v => Assert.Equal(1.25, v, 2.048 / 32768));
        Assert.Equal("V", sensor.Format.Units[0]);
    }

    [Fact]
    public void Ads1115_over_range_input_saturates_and_is_flagged_clipped()
    {
        var chip = new FakeAds1115();
        chip.InputVolts[0] = 5;
        using var sensor = new PolledSensor(new Ads1115Adc(chip, rangeVolts: 4.096), 128, 16, new FakePacer());
        var frame = sensor.CreateFrame();
        sensor.Read(frame);

        Assert.Equal(4.096, frame.Channel(0)[0], 0.001);
        var extractor = new FeatureExtractor(sensor.Format.ToFeatureSettings(bandCount: 2, minHz: 5));
        Assert.True(frame.ExtractFeatures(extractor, new float[extractor.FeatureCount]).HasFlag(WindowFlags.Clipped));
    }

    [Fact]
    public void Ads1115_absent_is_faulted()
    {
        var chip = new FakeAds1115();
        chip.Faults.Fault = BusFault.Absent;
        using var sensor = new PolledSensor(new Ads1115Adc(chip), 128, 16, new FakePacer());

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(sensor.CreateFrame()));
        Assert.Contains("No such device", sensor.Health.Reason);
    }

    [Fact]
    public void Ads1115_answering_garbage_fails_the_config_read_back()
    {
        var chip = new FakeAds1115();
        chip.Faults.Fault = BusFault.Garbage;
        using var sensor = new PolledSensor(new Ads1115Adc(chip), 128, 16, new FakePacer());

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(sensor.CreateFrame()));
        Assert.Contains("config register", sensor.Health.Reason);
    }

    [Fact]
    public void Ads1115_throwing_mid_read_faults_then_recovers()
    {
        var chip = new FakeAds1115();
        chip.InputVolts[0] = 1;
        using var sensor = new PolledSensor(new Ads1115Adc(chip), 128, 16, new FakePacer());
        var frame = sensor.CreateFrame();
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        chip.Faults.Fault = BusFault.ThrowAfter;
        chip.Faults.TransfersBeforeFailure = chip.Faults.Transfers + 7;

        Assert.Equal(SensorReadResult.Faulted, sensor.Read(frame));
        Assert.True(frame.Count < 16);

        chip.Faults.Heal();
        Assert.Equal(SensorReadResult.Ok, sensor.Read(frame));
        Assert.Equal(1, frame.Channel(0)[15], 0.001);
    }
}
