using System.Text.Json;

namespace SensorOdl.Drivers.Features;

/// <summary>Reads the <see cref="FeatureConfiguration.ToJson"/> text stored with a model.</summary>
internal static class FeatureConfigurationReader
{
    public static FeatureConfiguration Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Unreadable(json, "it is not a JSON object");
            return Text(json, root, "kind") switch
            {
                "waveform" => new WaveformFeatureConfiguration(
                    Int(json, root, "channels"), Number(json, root, "sampleRateHz"), Int(json, root, "windowSize"),
                    Int(json, root, "bands"), Number(json, root, "minHz"), Number(json, root, "maxHz")),
                "spectrum" => new SpectrumFeatureConfiguration(Int(json, root, "bins"), Number(json, root, "binHz"), Text(json, root, "scale")),
                var kind => throw Unreadable(json, $"its kind '{kind}' is neither waveform nor spectrum"),
            };
        }
        catch (JsonException e)
        {
            throw Unreadable(json, "it is not JSON", e);
        }
    }

    private static string Text(string json, JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Unreadable(json, $"it has no text '{name}'");

    private static double Number(string json, JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number)
            ? number
            : throw Unreadable(json, $"it has no number '{name}'");

    private static int Int(string json, JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) && number > 0
            ? number
            : throw Unreadable(json, $"it has no positive whole number '{name}'");

    private static FormatException Unreadable(string json, string why, Exception? inner = null) =>
        new($"The feature configuration '{json}' cannot be read: {why}.", inner);
}
