namespace TensorGuard.ModelFactory;

public static partial class Derivations
{
    /// <summary>
    /// Linear merge (model soup / task arithmetic's base case): (1 − w)·this + w·<paramref name="other"/> for
    /// every tensor, matched by role; names and storage follow this model.
    /// </summary>
    public static TestModel MergeLinear(this TestModel model, TestModel other, double otherWeight = 0.5) =>
        Merge(model, other, string.Create(Invariant, $"linear merge with {other.Id} (weight {otherWeight:0.###})"),
            (a, b) => Lerp(a, b, otherWeight));

    /// <summary>
    /// Spherical merge as mergekit's <c>slerp</c> does it: per tensor, the angle comes from the normalised
    /// flattened weights and the interpolation weights sin((1−t)θ)/sin θ and sin(tθ)/sin θ apply to the
    /// originals; nearly parallel tensors fall back to linear interpolation.
    /// </summary>
    public static TestModel MergeSlerp(this TestModel model, TestModel other, double t = 0.5) =>
        Merge(model, other, string.Create(Invariant, $"SLERP merge with {other.Id} (t {t:0.###})"), (a, b) => Slerp(a, b, t));

    private static TestModel Merge(TestModel model, TestModel other, string step, Func<float[], float[], float[]> combine)
    {
        var partners = other.Weights.ToDictionary(t => t.Role);
        return model.Derive(step, model.Weights.Select(t =>
        {
            if (!partners.TryGetValue(t.Role, out TestTensor? partner) || !partner.Shape.SequenceEqual(t.Shape))
            {
                throw new ArgumentException($"{other.Id} has no {t.Role} tensor of shape [{string.Join(", ", t.Shape)}] to merge with {model.Id}.", nameof(other));
            }

            return t.WithValues(combine(t.ToArray(), partner.ToArray()));
        }));
    }

    private static float[] Lerp(float[] a, float[] b, double t)
    {
        var result = new float[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            result[i] = (float)(((1 - t) * a[i]) + (t * b[i]));
        }

        return result;
    }

    private static float[] Slerp(float[] a, float[] b, double t)
    {
        double normA = Matrix.Norm(a);
        double normB = Matrix.Norm(b);
        if (normA == 0 || normB == 0)
        {
            return Lerp(a, b, t);
        }

        double cosine = Math.Clamp(Matrix.Dot(a, b) / (normA * normB), -1, 1);
        if (Math.Abs(cosine) > 0.9995)
        {
            return Lerp(a, b, t);
        }

        double theta = Math.Acos(cosine);
        double sinTheta = Math.Sin(theta);
        double weightA = Math.Sin((1 - t) * theta) / sinTheta;
        double weightB = Math.Sin(t * theta) / sinTheta;
        var result = new float[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            result[i] = (float)((weightA * a[i]) + (weightB * b[i]));
        }

        return result;
    }
}
