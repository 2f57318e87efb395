namespace SensorOdl.Learning.Tensors;

/// <summary>A trainable tensor: its values and the gradient the last backward pass accumulated.</summary>
public sealed class Parameter
{
    public Parameter(string name, int[] shape, float[]? value = null)
    {
        Name = name;
        Shape = shape;
        int size = 1;
        foreach (int dim in shape) size *= dim;
        Value = value ?? new float[size];
        if (Value.Length != size)
            throw new ArgumentException($"{name}: {Value.Length} values for shape [{string.Join(", ", shape)}].");
        Gradient = new float[size];
    }

    public string Name { get; }
    public int[] Shape { get; }
    public float[] Value { get; }
    public float[] Gradient { get; }
    public int Size => Value.Length;

    public void ZeroGradient() => Array.Clear(Gradient);
}
