using System.Reflection;
using Microsoft.Extensions.Configuration;
using SensorOdl.Daemon.Configuration;

namespace SensorOdl.Daemon.Tests;

/// <summary>
/// <see cref="SettingsBinder"/> reads every settings property from its key. The keys are found here by reflection over
/// the settings records (this test runs in the ordinary build), so a property added to a section without its line in the
/// binder fails here instead of being silently ignored.
/// </summary>
public sealed class SettingsBinderTests
{
    sealed record Key(string Path, string[] Value, PropertyInfo[] Properties, object Expected);

    [Fact]
    public void Every_settings_property_is_read_from_its_key()
    {
        var keys = new List<Key>();
        Collect(typeof(DaemonSettings), new DaemonSettings(), "", [], keys);
        var values = keys.SelectMany(k => k.Value.Length == 1
            ? [KeyValuePair.Create(k.Path, (string?)k.Value[0])]
            : k.Value.Select((v, i) => KeyValuePair.Create($"{k.Path}:{i}", (string?)v)));

        DaemonSettings bound = SettingsBinder.Bind(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

        string[] notRead = [.. keys.Where(k => !Same(Read(bound, k.Properties), k.Expected)).Select(k => k.Path)];
        Assert.Empty(notRead);
        Assert.True(keys.Count >= 75, $"only {keys.Count} keys found");
    }

    [Fact]
    public void Unset_keys_keep_the_records_defaults() =>
        Assert.Equal(new DaemonSettings(), SettingsBinder.Bind(new ConfigurationBuilder().Build()));

    [Fact]
    public void Array_items_are_read_in_index_order_and_a_bad_item_names_its_key()
    {
        IConfiguration Config(params (string, string)[] pairs) =>
            new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => KeyValuePair.Create(p.Item1, (string?)p.Item2))).Build();

        Assert.Equal([4, 1, 7], SettingsBinder.Bind(Config(("Sensor:Inputs:10", "7"), ("Sensor:Inputs:0", "4"), ("Sensor:Inputs:2", "1"))).Sensor.Inputs!);
        var error = Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(Config(("Sensor:Inputs:0", "x"))));
        Assert.Equal("Sensor:Inputs:0: 'x' is not a valid value.", error.Message);
    }

    [Fact]
    public void An_array_key_also_takes_a_comma_separated_list()
    {
        IConfiguration Config(string key, string value) =>
            new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create(key, (string?)value)]).Build();

        Assert.Equal([128, 64, 128], SettingsBinder.Bind(Config("Anomaly:Hidden", "128, 64,128")).Anomaly.Hidden!);
        Assert.Equal([2], SettingsBinder.Bind(Config("Sensor:Inputs", "2")).Sensor.Inputs!);
        var error = Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(Config("Anomaly:Hidden", "128,x")));
        Assert.Equal("Anomaly:Hidden: '128,x' is not a valid value.", error.Message);
    }

    static bool Same(object? actual, object expected) =>
        expected is int[] items ? actual is int[] got && got.SequenceEqual(items) : Equals(actual, expected);

    static object? Read(object settings, PropertyInfo[] path) =>
        path.Aggregate((object?)settings, (o, p) => p.GetValue(o));

    static void Collect(Type type, object defaults, string prefix, PropertyInfo[] path, List<Key> keys)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
        {
            string key = prefix + property.Name;
            PropertyInfo[] here = [.. path, property];
            object? current = property.GetValue(defaults);
            Type t = property.PropertyType;
            Type? underlying = Nullable.GetUnderlyingType(t);
            (string[] Text, object Value)? leaf = (underlying ?? t) switch
            {
                var s when s == typeof(string) => ([$"value-of-{key}"], $"value-of-{key}"),
                var i when i == typeof(int) => ([((int)(current ?? 0) + 7).ToString()], (int)(current ?? 0) + 7),
                var l when l == typeof(long) => ([((long)(current ?? 0L) + 7).ToString()], (long)(current ?? 0L) + 7),
                var d when d == typeof(double) => ([((double)(current ?? 0.0) + 0.25).ToString("R", System.Globalization.CultureInfo.InvariantCulture)], (double)(current ?? 0.0) + 0.25),
                var b when b == typeof(bool) => ([(!(bool)(current ?? false)).ToString()], !(bool)(current ?? false)),
                var e when e.IsEnum => OtherName(e, current),
                var a when a == typeof(int[]) => (["3", "5"], new[] { 3, 5 }),
                _ => null,
            };
            if (leaf is { } l2) keys.Add(new Key(key, l2.Text, here, l2.Value));
            else if (t.IsClass && t.Namespace?.StartsWith("SensorOdl", StringComparison.Ordinal) == true)
                Collect(t, current ?? Activator.CreateInstance(t)!, key + ":", here, keys);
            else throw new InvalidOperationException($"{key}: no test value for {t}; add one here and a reader to ConfigurationValues.");
        }
    }

    /// <summary>An enum name that is not the default, written in lower case as configuration does.</summary>
    static (string[], object) OtherName(Type enumType, object? current)
    {
        object other = Enum.GetValues(enumType).Cast<object>().Last(v => !v.Equals(current));
        return ([other.ToString()!.ToLowerInvariant()], other);
    }
}
