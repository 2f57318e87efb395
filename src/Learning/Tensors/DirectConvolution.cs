using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SensorOdl.Learning.Tensors;

/// <summary>
/// Convolution forward without im2col (stride 1, zero padding). LeNet's convolutions have 6 and 16 output
/// channels, so an unfolded column matrix is written and read back for only 6–16 multiply-adds per value:
/// the copy, not the arithmetic, set the speed. Here the image is padded once and the micro-kernel reads
/// each tap's panel straight from it: with the output laid out at the padded width, the values a tap
/// (c, ky, kx) needs for consecutive outputs are consecutive in the padded image, offset by
/// c·PH·PW + ky·PW + kx. The columns past the valid width are computed and dropped.
/// With many output channels and narrow rows (LeNet's conv2: 16 channels, 10 of every 14 wide columns valid) the
/// channels go across the vector lanes instead and the six rows of a tile are six valid output positions
/// (<see cref="ConvolutionLayout.ChannelsInLanes"/>): no column is computed only to be dropped. Either way every
/// output is the same sum in the same order (taps ascending, fused multiply-adds from zero, then the bias).
/// </summary>
public static class DirectConvolution
{
    [ThreadStatic] static float[]? t_padded;
    [ThreadStatic] static float[]? t_wide;
    [ThreadStatic] static float[]? t_packedWeight;
    [ThreadStatic] static int[]? t_positions;

    /// <summary>
    /// images: [batch, cin, h, w], weight: [cout, cin·k·k], bias: [cout] → y: [batch, cout, h', w'] = bias + weight ⊛ image,
    /// h' = h + 2·pad − k + 1; with <paramref name="relu"/>, y = max(that, 0) in the same pass.
    /// The <see cref="GemmKernel.Scalar"/> kernel unfolds and multiplies instead.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> images, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, GemmKernel gemmKernel = GemmKernel.Auto,
        bool relu = false, int batch = 1) =>
        Forward(images, inChannels, height, width, kernel, padding, weight, bias, outChannels, y, gemmKernel, relu, ConvolutionLayout.Auto, batch);

    internal static void Forward(ReadOnlySpan<float> images, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, GemmKernel gemmKernel, bool relu,
        ConvolutionLayout layout, int batch = 1)
    {
        if (gemmKernel == GemmKernel.Auto) gemmKernel = Gemm.Best;
        else if (!Gemm.IsSupported(gemmKernel)) throw new NotSupportedException($"The {gemmKernel} GEMM kernel is not accelerated on this machine.");
        int outHeight = height + 2 * padding - kernel + 1, outWidth = width + 2 * padding - kernel + 1;
        int taps = inChannels * kernel * kernel, imageSize = inChannels * height * width, outputSize = outChannels * outHeight * outWidth;
        if (batch < 0 || images.Length < batch * imageSize || weight.Length < outChannels * taps || bias.Length < outChannels
            || y.Length < batch * outputSize || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException("Spans too short or kernel larger than the padded input.");
        if (gemmKernel == GemmKernel.Scalar)
        {
            var columns = new float[taps * outHeight * outWidth];
            for (int s = 0; s < batch; s++)
            {
                Span<float> ys = y.Slice(s * outputSize, outputSize);
                Im2Col.Unfold(images.Slice(s * imageSize, imageSize), inChannels, height, width, kernel, padding, columns);
                Gemm.Multiply(weight, columns, ys, outChannels, taps, outHeight * outWidth, kernel: GemmKernel.Scalar);
                AddBias(ys, bias, outChannels, outHeight * outWidth, relu);
            }
            return;
        }
        if (gemmKernel == GemmKernel.Vector256) Run<Vector256Kernel>(images, inChannels, height, width, kernel, padding, weight, bias, outChannels, y, relu, layout, batch);
        else Run<Vector128Kernel>(images, inChannels, height, width, kernel, padding, weight, bias, outChannels, y, relu, layout, batch);
    }

    /// <summary>
    /// The layout whose tiles hold more useful multiply-adds: output channels over slivers of six times valid
    /// columns over the padded width (Wide), or channels over whole vectors times positions over tiles of six.
    /// </summary>
    internal static ConvolutionLayout Choose(int outChannels, int outHeight, int outWidth, int paddedWidth, int columns)
    {
        const int rows = MicroKernels.Rows;
        int positions = outHeight * outWidth, wide = outHeight * paddedWidth;
        double wideUseful = (double)outChannels / ((outChannels + rows - 1) / rows * rows)
            * positions / ((wide + columns - 1) / columns * columns);
        double lanesUseful = (double)outChannels / ((outChannels + columns - 1) / columns * columns)
            * positions / ((positions + rows - 1) / rows * rows);
        return lanesUseful > wideUseful ? ConvolutionLayout.ChannelsInLanes : ConvolutionLayout.Wide;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Run<TKernel>(ReadOnlySpan<float> images, int inChannels, int height, int width, int kernel, int padding,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, Span<float> y, bool relu, ConvolutionLayout layout, int batch)
        where TKernel : IMicroKernel
    {
        const int rows = MicroKernels.Rows;
        int columns = TKernel.Columns;
        int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
        int outHeight = paddedHeight - kernel + 1, outWidth = paddedWidth - kernel + 1;
        int taps = inChannels * kernel * kernel, imageSize = inChannels * height * width, outputSize = outChannels * outHeight * outWidth;
        int wide = outHeight * paddedWidth, wideRounded = (wide + columns - 1) / columns * columns;
        int slivers = (outChannels + rows - 1) / rows;
        if (layout == ConvolutionLayout.Auto) layout = Choose(outChannels, outHeight, outWidth, paddedWidth, columns);
        bool inPlace = padding == 0 && layout == ConvolutionLayout.ChannelsInLanes; // reads only valid positions: no slack needed

        // The wide layout's last panel reads up to wideRounded − 1 past the largest tap offset: slack keeps it inside the
        // buffer. The border is cleared once; every image then overwrites only the interior.
        int planeSize = paddedHeight * paddedWidth;
        float[] padded = inPlace ? [] : Gemm.Buffer(ref t_padded, inChannels * planeSize + wideRounded);
        if (!inPlace) Array.Clear(padded, 0, inChannels * planeSize + wideRounded);

        Span<int> offsets = taps <= 1024 ? stackalloc int[taps] : new int[taps];
        for (int c = 0, p = 0; c < inChannels; c++)
            for (int ky = 0; ky < kernel; ky++)
                for (int kx = 0; kx < kernel; kx++) offsets[p++] = c * planeSize + ky * paddedWidth + kx;

        var lanes = layout == ConvolutionLayout.ChannelsInLanes ? new LanesPlan<TKernel>(weight, bias, outChannels, taps, outHeight, outWidth, paddedWidth) : null;
        float[] packedWeight = [], wideOutput = [];
        if (lanes is null)
        {
            packedWeight = Gemm.Buffer(ref t_packedWeight, slivers * taps * rows);
            Gemm.PackA(weight, false, packedWeight, outChannels, taps);
            wideOutput = Gemm.Buffer(ref t_wide, slivers * rows * wideRounded);
        }

        for (int sample = 0; sample < batch; sample++)
        {
            ReadOnlySpan<float> image = images.Slice(sample * imageSize, imageSize);
            Span<float> ys = y.Slice(sample * outputSize, outputSize);
            if (!inPlace)
                for (int c = 0; c < inChannels; c++)
                    for (int iy = 0; iy < height; iy++)
                        image.Slice((c * height + iy) * width, width).CopyTo(padded.AsSpan(c * planeSize + (iy + padding) * paddedWidth + padding, width));
            ref float origin = ref inPlace ? ref MemoryMarshal.GetReference(image) : ref padded[0];

            if (lanes is not null)
            {
                lanes.Run(ref origin, offsets, ys, relu);
                continue;
            }
            for (int j0 = 0; j0 < wide; j0 += columns)
                for (int s = 0; s < slivers; s++)
                    TKernel.GatheredTile(ref packedWeight[s * taps * rows], ref Unsafe.Add(ref origin, j0), ref offsets[0], taps,
                        ref wideOutput[s * rows * wideRounded + j0], wideRounded);
            for (int co = 0; co < outChannels; co++)
                for (int oy = 0; oy < outHeight; oy++)
                    BiasRow(wideOutput.AsSpan(co * wideRounded + oy * paddedWidth, outWidth), bias[co], ys.Slice((co * outHeight + oy) * outWidth, outWidth), relu);
        }
    }

    /// <summary>target = source + bias, then max(·, 0) with <paramref name="relu"/>: the same per-value operations as
    /// TensorPrimitives.Add and Max, in one pass (a row narrower than a vector runs the scalar loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void BiasRow(ReadOnlySpan<float> source, float bias, Span<float> target, bool relu)
    {
        int count = target.Length, lanes = Vector<float>.Count;
        if (source.Length < count) throw new ArgumentException("Row spans differ.");
        if (!Vector.IsHardwareAccelerated || count < lanes)
        {
            for (int j = 0; j < count; j++) target[j] = relu ? MathF.Max(source[j] + bias, 0f) : source[j] + bias;
            return;
        }
        ref float from = ref MemoryMarshal.GetReference(source);
        ref float to = ref MemoryMarshal.GetReference(target);
        var b = new Vector<float>(bias);
        // The last vector overlaps the one before when count is not a multiple of the width (same values again).
        for (int j = 0; ; j += lanes)
        {
            j = Math.Min(j, count - lanes);
            Vector<float> value = Vector.LoadUnsafe(ref from, (nuint)j) + b;
            if (relu) value = Rectify(value);
            value.StoreUnsafe(ref to, (nuint)j);
            if (j == count - lanes) break;
        }
    }

    /// <summary>MathF.Max(v, 0) lane by lane — NaN stays NaN, −0 becomes +0 — as one compare and one mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Rectify(Vector<float> value) =>
        Vector.AndNot(value, Vector.LessThanOrEqual(value, Vector<float>.Zero).As<int, float>());

    // Channels across the lanes: weight packed once per call as [channel block][tap][Columns] (channels past outChannels
    // zero); each tile is six output positions (the last tile repeats its last position), its [6, Columns] result gets
    // the bias (and ReLU) as vectors and is then written transposed into y's channel planes.
    sealed class LanesPlan<TKernel> where TKernel : IMicroKernel
    {
        const int Rows = MicroKernels.Rows;
        readonly float[] _packedWeight, _bias;
        readonly int[] _positionOffsets;
        readonly int _outChannels, _taps, _positions, _tiles, _blocks;

        public LanesPlan(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, int taps, int outHeight, int outWidth, int paddedWidth)
        {
            int columns = TKernel.Columns;
            _outChannels = outChannels;
            _taps = taps;
            _blocks = (outChannels + columns - 1) / columns;
            _positions = outHeight * outWidth;
            _tiles = (_positions + Rows - 1) / Rows;
            _packedWeight = Gemm.Buffer(ref t_packedWeight, _blocks * taps * columns);
            Array.Clear(_packedWeight, 0, _blocks * taps * columns);
            for (int co = 0; co < outChannels; co++)
            {
                ReadOnlySpan<float> filter = weight.Slice(co * taps, taps);
                int panel = co / columns * taps * columns + co % columns;
                for (int p = 0; p < taps; p++) _packedWeight[panel + p * columns] = filter[p];
            }
            _bias = new float[_blocks * columns];
            bias[..outChannels].CopyTo(_bias);
            _positionOffsets = t_positions is { } cached && cached.Length >= _tiles * Rows ? cached : t_positions = new int[_tiles * Rows];
            for (int q = 0; q < _tiles * Rows; q++)
            {
                int valid = Math.Min(q, _positions - 1);
                _positionOffsets[q] = valid / outWidth * paddedWidth + valid % outWidth;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(ref float origin, ReadOnlySpan<int> offsets, Span<float> y, bool relu)
        {
            int columns = TKernel.Columns, lanes = Vector<float>.Count;
            if (y.Length < _outChannels * _positions) throw new ArgumentException("Output span too short.");
            Span<float> tile = stackalloc float[Rows * MicroKernels.MaxColumns];
            ref float t0 = ref tile[0];
            ref float y0 = ref MemoryMarshal.GetReference(y);
            bool vectors = Vector.IsHardwareAccelerated && columns % lanes == 0;
            for (int block = 0; block < _blocks; block++)
            {
                int c0 = block * columns, channels = Math.Min(columns, _outChannels - c0);
                ref float panel = ref _packedWeight[block * _taps * columns];
                ref float bias = ref _bias[c0];
                for (int t = 0; t < _tiles; t++)
                {
                    int q0 = t * Rows, count = Math.Min(Rows, _positions - q0);
                    TKernel.PositionTile(ref origin, ref MemoryMarshal.GetReference(offsets), ref _positionOffsets[q0], ref panel, _taps, ref t0);
                    for (int i = 0; i < Rows * columns; i += vectors ? lanes : 1)
                    {
                        if (vectors)
                        {
                            Vector<float> value = Vector.LoadUnsafe(ref t0, (nuint)i) + Vector.LoadUnsafe(ref bias, (nuint)(i % columns));
                            if (relu) value = Rectify(value);
                            value.StoreUnsafe(ref t0, (nuint)i);
                        }
                        else
                        {
                            float value = Unsafe.Add(ref t0, i) + Unsafe.Add(ref bias, i % columns);
                            Unsafe.Add(ref t0, i) = relu ? MathF.Max(value, 0f) : value;
                        }
                    }
                    for (int c = 0; c < channels; c++)
                    {
                        ref float target = ref Unsafe.Add(ref y0, (c0 + c) * _positions + q0);
                        for (int r = 0; r < count; r++) Unsafe.Add(ref target, r) = Unsafe.Add(ref t0, r * columns + c);
                    }
                }
            }
        }
    }

    static void AddBias(Span<float> y, ReadOnlySpan<float> bias, int channels, int positions, bool relu)
    {
        for (int c = 0; c < channels; c++)
        {
            Span<float> plane = y.Slice(c * positions, positions);
            TensorPrimitives.Add(plane, bias[c], plane);
            if (relu) TensorPrimitives.Max(plane, 0f, plane);
        }
    }
}

/// <summary>How <see cref="DirectConvolution"/> maps a convolution onto the micro-kernel's 6 × 2-vector tile.</summary>
enum ConvolutionLayout
{
    Auto,
    /// <summary>Output channels down the rows, output positions at the padded width across the lanes.</summary>
    Wide,
    /// <summary>Output channels across the lanes, six valid output positions down the rows.</summary>
    ChannelsInLanes,
}
