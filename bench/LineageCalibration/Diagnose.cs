using System.Globalization;
using System.Numerics.Tensors;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.ModelFactory;

internal static class Diagnose
{
    // Every (base view, candidate view) z of independent pairs: under a correct null they are standard normal.
    public static void Run(int width, int pairs, int layers)
    {
        var shapes = new ModelShapes($"w{width}", width, width * 7 / 2, layers, 32000, width / 64, width / 256, Tied: false, QkvBias: false);
        var all = new List<(string Kind, double Z)>();
        for (int i = 0; i < pairs; i++)
        {
            LineageSketch b = LineageSketcher.Sketch(new LazyModel(shapes, (ulong)(80_000 + i)));
            LineageSketch c = LineageSketcher.SketchCandidate(new LazyModel(shapes, (ulong)(90_000 + i)), LineageSettings.CandidateViews);
            double sd = 1.0 / Math.Sqrt(b.PairCount - 3);
            foreach (SketchedView bv in b.Views)
            {
                float[] x = Std(bv);
                foreach (SketchedView cv in c.Views)
                {
                    double z = Math.Atanh(TensorPrimitives.Dot(x, Std(cv))) / sd;
                    all.Add((Kind(bv) + "~" + Kind(cv), z));
                }
            }
        }

        foreach (var g in all.GroupBy(a => a.Kind).OrderBy(g => g.Key).Append(all.GroupBy(_ => "ALL").Single()))
        {
            double[] z = g.Select(a => a.Z).ToArray();
            double mean = z.Average();
            double s = Math.Sqrt(z.Select(v => (v - mean) * (v - mean)).Average());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{g.Key,-30} n={z.Length,7} mean={mean,6:0.000} sd={s,6:0.000} |z|>3:{z.Count(v => Math.Abs(v) > 3)} (normal {z.Length * 0.0027:0.0}) >3.5:{z.Count(v => Math.Abs(v) > 3.5)} ({z.Length * 4.65e-4:0.0}) >4:{z.Count(v => Math.Abs(v) > 4)} ({z.Length * 6.33e-5:0.0}) >4.5:{z.Count(v => Math.Abs(v) > 4.5)} ({z.Length * 6.8e-6:0.00}) max={z.Max():0.00}"));
        }
    }

    private static string Kind(SketchedView v)
    {
        string n = v.TensorName;
        int dot = n.LastIndexOf(".weight", StringComparison.Ordinal);
        string shortName = n[..dot];
        shortName = shortName[(shortName.LastIndexOf('.') + 1)..];
        return shortName + (v.FeaturesAlongRows ? "T" : "");
    }

    private static float[] Std(SketchedView view)
    {
        var v = new float[view.Correlations.Length];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = view.Correlations.Span[i];
        }

        TensorPrimitives.Subtract(v, TensorPrimitives.Sum(v) / v.Length, v);
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }
}
