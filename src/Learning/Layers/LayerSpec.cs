using System.Text.Json.Serialization;

namespace SensorOdl.Learning.Layers;

/// <summary>The architecture of one layer, as stored in model files.</summary>
public sealed record LayerSpec(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("in")] int In = 0,
    [property: JsonPropertyName("out")] int Out = 0,
    [property: JsonPropertyName("channels")] int Channels = 0,
    [property: JsonPropertyName("height")] int Height = 0,
    [property: JsonPropertyName("width")] int Width = 0,
    [property: JsonPropertyName("kernel")] int Kernel = 0,
    [property: JsonPropertyName("padding")] int Padding = 0,
    [property: JsonPropertyName("size")] int Size = 0)
{
    public Layer Create() => Type switch
    {
        "dense" => new Dense(In, Out),
        "conv2d" => new Conv2d(Channels, Out, Height, Width, Kernel, Padding),
        "relu" => new Relu(Size),
        "tanh" => new Tanh(Size),
        "maxpool2d" => new MaxPool2d(Channels, Height, Width, Kernel),
        "flatten" => new Flatten(Size),
        _ => throw new Models.ModelFormatException($"unknown layer type '{Type}'."),
    };
}

