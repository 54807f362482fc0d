using TorchSharp;
using static TorchSharp.torch;

namespace TensorGuard.Core.Fingerprints.Gradient;

/// <summary>
/// The probe inputs of the paper's method. For a width <c>n</c> a CPU generator is seeded with the method's
/// fixed seed and draws, kind after kind, <see cref="GradientParameters.ProbesPerKind"/> probes of each kind:
/// <list type="bullet">
/// <item><c>gaussian</c>: g ~ N(0, I).</item>
/// <item><c>structured</c>: g plus its low-pass part (lowest quarter of the rFFT bins) — smooth structure added back.</item>
/// <item><c>low-frequency</c>: g plus 0.1 × its lowest eighth of bins.</item>
/// <item><c>high-frequency</c>: g plus 0.1 × its upper half of bins.</item>
/// <item><c>adversarial</c>: one FGSM step from g, g + ε·sign(∇g CE(A·g, c)), against a random classifier A
/// (<see cref="GradientParameters.AdversarialClasses"/> × n, entries N(0, 1/n)) and a random pseudo-label c.</item>
/// </list>
/// Probes therefore depend only on the width and the parameters: every model of that width meets the same
/// probes. Everything is computed in float64 (so rounding cannot differ with LibTorch's thread count) and
/// returned as float32, the precision weights are multiplied in.
/// </summary>
public static class ProbeGenerator
{
    /// <summary>Probe kind names, in generation order.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["gaussian", "structured", "low-frequency", "high-frequency", "adversarial"];

    /// <summary>Generates the probes of width <paramref name="width"/>: kinds in <see cref="GradientParameters.ProbeKinds"/> order.</summary>
    public static float[][] Generate(int width, GradientParameters parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);

        // One LibTorch thread: the probes are a few vectors, so waking OpenMP workers (which then spin waiting
        // for more work) costs more than it saves, and takes a core from the file hashing running beside the
        // fingerprint. The caller's setting is restored; the probes are the same at any thread count.
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            using DisposeScope scope = NewDisposeScope();
            using var generator = new Generator(unchecked((ulong)parameters.ProbeSeed));
            var probes = new List<float[]>(parameters.ProbeKinds.Count * parameters.ProbesPerKind);
            foreach (string kind in parameters.ProbeKinds)
            {
                for (int i = 0; i < parameters.ProbesPerKind; i++)
                {
                    Tensor probe = Probe(kind, width, parameters, generator);
                    probes.Add(probe.to_type(ScalarType.Float32).data<float>().ToArray());
                }
            }

            return [.. probes];
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    private static Tensor Probe(string kind, int width, GradientParameters parameters, Generator generator)
    {
        Tensor g = randn([width], ScalarType.Float64, generator: generator);
        int bins = (width / 2) + 1;
        return kind switch
        {
            "gaussian" => g,
            "structured" => g + Filtered(g, 0, Math.Max(1, bins / 4)),
            "low-frequency" => g + (0.1 * Filtered(g, 0, Math.Max(1, bins / 8))),
            "high-frequency" => g + (0.1 * Filtered(g, bins / 2, bins)),
            "adversarial" => Adversarial(g, width, parameters, generator),
            _ => throw new ArgumentException($"Unknown probe kind {kind}.", nameof(parameters)),
        };
    }

    // The signal whose rFFT keeps only bins [from, to).
    private static Tensor Filtered(Tensor signal, int from, int to)
    {
        Tensor spectrum = fft.rfft(signal);
        var mask = zeros([spectrum.shape[0]], ScalarType.Float64);
        mask.narrow(0, from, to - from).fill_(1.0);
        return fft.irfft(spectrum * mask, signal.shape[0]);
    }

    private static Tensor Adversarial(Tensor start, int width, GradientParameters parameters, Generator generator)
    {
        Tensor classifier = randn([parameters.AdversarialClasses, width], ScalarType.Float64, generator: generator) / Math.Sqrt(width);
        Tensor label = randint(parameters.AdversarialClasses, [1], ScalarType.Int64, generator: generator);
        using (enable_grad())
        {
            Tensor input = start.detach().requires_grad_(true);
            Tensor logits = classifier.matmul(input).unsqueeze(0);
            nn.functional.cross_entropy(logits, label).backward();
            return start + (parameters.AdversarialEpsilon * input.grad!.sign());
        }
    }
}
