using SensorOdl.Drivers.Recordings;
using SensorOdl.Drivers.Tests.Support;

namespace SensorOdl.Drivers.Tests.Recordings;

public class ManifestFilterTests
{
    private static readonly RecordingManifest Cwru = RecordingManifest.Load(SharedData.Cwru);
    private static readonly RecordingManifest Fan = RecordingManifest.Load(SharedData.CoolingFan);

    private static string[] Files(RecordingManifest m, string filter) => m.Select(filter).Select(r => r.File).ToArray();

    [Fact]
    public void Replay_manifest_filter_ANDs_keys_and_ORs_alternatives()
    {
        Assert.Equal(["normal_L0_X097.f32"], Files(Cwru, "load_hp=0,state=normal"));
        Assert.Equal(["IR007_L0_X105.f32", "IR007_L1_X106.f32"], Files(Cwru, "fault=IR,load_hp=0|1"));
        Assert.Equal(["OR007at6_L0_X130.f32", "OR007at6_L1_X131.f32"], Files(Cwru, "fault=OR@6"));
        var noisyDamage = Fan.Select("env=noisy,state=damage1|damage2");
        Assert.Equal(4, noisyDamage.Count);
        Assert.All(noisyDamage, r => Assert.Equal("noisy", r.Text("env")));
    }

    [Fact]
    public void Replay_manifest_filter_compares_numbers_numerically_and_strings_case_sensitively()
    {
        Assert.Equal(Files(Cwru, "load_hp=1"), Files(Cwru, "load_hp=1.0"));
        Assert.Equal(3, Cwru.Select("load_hp=1").Count);
        Assert.Equal(2, Files(Fan, "rpm=2500").Length);
        Assert.Empty(Files(Fan, "env=Noisy"));
        Assert.Single(Files(Cwru, "fault_size_in=0"));
    }

    [Fact]
    public void Replay_manifest_filter_null_matches_null_or_absent()
    {
        var hmlo = Fan.Select("rpm=null");
        Assert.Equal(12, hmlo.Count);
        Assert.All(hmlo, r => Assert.Equal("hmlo", r.Text("speed")));
        Assert.Equal(Fan.Recordings.Count - 12, Fan.Select("segments=null").Count);
    }

    [Fact]
    public void Replay_manifest_filter_skips_non_primary_unless_it_names_primary()
    {
        Assert.Equal(7, Cwru.Select("").Count);
        Assert.DoesNotContain(Cwru.Select("state=normal"), r => r.File.StartsWith("native48k"));
        Assert.Equal(["native48k/normal_L0_X097_48k.f32"], Files(Cwru, "primary=false"));
        Assert.Equal(2, Cwru.Select("primary=true|false,state=normal").Count);
    }

    [Fact]
    public void Replay_manifest_filter_with_an_unknown_key_is_a_usage_error()
    {
        var e = Assert.Throws<UnknownFilterKeyException>(() => Cwru.Select("speed=h"));
        Assert.Equal("speed", e.Key);
        Assert.IsAssignableFrom<ManifestFilterException>(e);
    }

    [Theory]
    [InlineData("state")]
    [InlineData("=normal")]
    [InlineData("state=")]
    [InlineData("state=normal|")]
    [InlineData("state=normal,state=fault")]
    public void Replay_manifest_filter_rejects_bad_syntax(string filter)
    {
        Assert.Throws<FilterSyntaxException>(() => ManifestFilter.Parse(filter));
    }
}
