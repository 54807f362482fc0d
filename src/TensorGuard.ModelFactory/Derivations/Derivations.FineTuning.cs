using System.Globalization;
using TensorGuard.Core.Formats;

namespace TensorGuard.ModelFactory;

/// <summary>Which linear weights a LoRA adapter targets.</summary>
[Flags]
public enum LoraTargets
{
    /// <summary>q, k, v, o (or the fused qkv) projections.</summary>
    Attention = 1,

    /// <summary>gate, up, down (or the fused gate_up) projections.</summary>
    Mlp = 2,

    /// <summary>Every linear projection inside the layers (PEFT's <c>all-linear</c>, minus the LM head).</summary>
    AllLinear = Attention | Mlp,
}

/// <summary>
/// Derivations of any <see cref="TestModel"/>: each returns a new model, appends one line to
/// <see cref="TestModel.History"/>, keeps names, card and config unless it says otherwise, and draws its
/// randomness from streams keyed by its seed, the model's id and the tensor's role. They compose in any order.
/// </summary>
public static partial class Derivations
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Full fine-tune: every tensor changes by exactly <paramref name="relativeChange"/> of its Frobenius norm
    /// (0.1 = 10%). The change is structured like real training updates: 40% of its energy low-rank
    /// (rank 4), 30% proportional to the weight (heavy rows move more), 30% independent noise; vectors get
    /// the last two halves each.
    /// </summary>
    public static TestModel FineTune(this TestModel model, double relativeChange, long seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(relativeChange);
        return model.Derive(
            string.Create(Invariant, $"fine-tune {relativeChange:0.####} (seed {seed})"),
            model.Weights.Select(t => t.WithValues(FineTuned(t, relativeChange, Stream(model, seed, "finetune", t)))));
    }

    /// <summary>
    /// Merged LoRA: W + (alpha/r)·B·A on the targeted projections, where the adapter (see <see cref="TrainLora"/>)
    /// moves each target by <paramref name="relativeScale"/> of its norm (merged adapters typically move weights
    /// by 1–5%). The delta has rank min(<paramref name="rank"/>, out, in).
    /// </summary>
    public static TestModel MergeLora(this TestModel model, int rank, double relativeScale = 0.02, long seed = 1,
        LoraTargets targets = LoraTargets.AllLinear) =>
        model.TrainLora(rank, relativeScale, seed: seed, targets: targets).MergeInto(model);

    /// <summary>
    /// An unmerged LoRA adapter for this model (PEFT layout; save it with <see cref="LoraAdapter.Save"/>): A
    /// Gaussian with std 1/√in, B Gaussian with decaying columns, scaled so (alpha/r)·B·A moves each target by
    /// <paramref name="relativeScale"/> of its norm. <paramref name="alpha"/> defaults to 2·rank.
    /// </summary>
    public static LoraAdapter TrainLora(this TestModel model, int rank, double relativeScale = 0.02, double? alpha = null,
        long seed = 1, LoraTargets targets = LoraTargets.AllLinear, TensorDType dtype = TensorDType.F32) =>
        LoraAdapter.Train(model, rank, relativeScale, alpha, seed, targets, dtype);

    /// <summary>The relative Frobenius change ‖after − before‖ / ‖before‖ of two same-shaped tensors.</summary>
    public static double RelativeChange(TestTensor before, TestTensor after)
    {
        ReadOnlySpan<float> a = before.Values;
        ReadOnlySpan<float> b = after.Values;
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"{before.Name} and {after.Name} differ in size.", nameof(after));
        }

        double difference = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)b[i] - a[i];
            difference += d * d;
        }

        return Math.Sqrt(difference) / Matrix.Norm(a);
    }

    // Keyed by the model too, so the same seed applied to two different models gives unrelated updates.
    internal static SeededRandom Stream(TestModel model, long seed, string purpose, TestTensor tensor) =>
        SeededRandom.For(seed, $"{purpose}/{model.Id}/{tensor.Role.Key}");

    private static float[] FineTuned(TestTensor tensor, double relativeChange, SeededRandom random)
    {
        ReadOnlySpan<float> weights = tensor.Values;
        var proportional = new float[weights.Length];
        var noise = new float[weights.Length];
        random.FillGaussian(noise);
        for (int i = 0; i < weights.Length; i++)
        {
            proportional[i] = weights[i] * (float)random.NextGaussian();
        }

        List<(float[] Part, double Energy)> parts = [(proportional, 0.3), (noise, 0.3)];
        if (tensor.Shape.Count >= 2)
        {
            int rank = Math.Min(4, Math.Min(tensor.Rows, tensor.Columns));
            var left = new float[tensor.Rows * rank];
            var right = new float[rank * tensor.Columns];
            random.FillGaussian(left);
            random.FillGaussian(right);
            parts.Add((Matrix.Multiply(left, right, tensor.Rows, rank, tensor.Columns), 0.4));
        }

        double totalEnergy = parts.Sum(p => p.Energy);
        var delta = new float[weights.Length];
        foreach ((float[] part, double energy) in parts)
        {
            AddScaled(delta, part, Math.Sqrt(energy / totalEnergy) / Math.Max(Matrix.Norm(part), 1e-30));
        }

        return AddDelta(weights, delta, relativeChange);
    }

    // W + Δ·(relative·‖W‖/‖Δ‖): the result moves by exactly `relative` of the weight's norm.
    private static float[] AddDelta(ReadOnlySpan<float> weights, float[] delta, double relative)
    {
        double deltaNorm = Matrix.Norm(delta);
        double scale = deltaNorm == 0 ? 0 : relative * Matrix.Norm(weights) / deltaNorm;
        var result = weights.ToArray();
        AddScaled(result, delta, scale);
        return result;
    }

    private static void AddScaled(float[] target, ReadOnlySpan<float> values, double scale)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] += (float)(values[i] * scale);
        }
    }
}
