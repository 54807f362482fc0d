using TensorGuard.Core.Formats;

namespace TensorGuard.Core.Fingerprints.Lineage;

/// <summary>Reads chosen units × chosen hidden features of a view, touching as little of the tensor as it can.</summary>
internal static class ViewReader
{
    /// <summary>
    /// Every stride-th unit of the view (all when the stride is 1), the stride chosen to stay within
    /// <see cref="LineageSettings.MaxUnits"/>.
    /// </summary>
    public static long[] StridedUnits(WeightView view)
    {
        long stride = (view.UnitCount + LineageSettings.MaxUnits - 1) / LineageSettings.MaxUnits;
        long count = (view.UnitCount + stride - 1) / stride;
        var units = new long[count];
        for (long i = 0; i < count; i++)
        {
            units[i] = i * stride;
        }

        return units;
    }

    /// <summary>The values, feature-major: feature i's values over the units occupy <c>[i × units, (i + 1) × units)</c>.</summary>
    public static float[] FeatureMajor(ITensorSource source, WeightView view, IReadOnlyList<long> units, IReadOnlyList<int> hiddenFeatures)
    {
        var values = new float[(long)hiddenFeatures.Count * units.Count];
        FeatureMajor(source, view, units, hiddenFeatures, values);
        return values;
    }

    /// <summary>Fills the first features × units elements of <paramref name="values"/> as <see cref="FeatureMajor(ITensorSource, WeightView, IReadOnlyList{long}, IReadOnlyList{int})"/> returns them.</summary>
    public static void FeatureMajor(ITensorSource source, WeightView view, IReadOnlyList<long> units, IReadOnlyList<int> hiddenFeatures, Span<float> values)
    {
        int unitCount = units.Count;
        int count = hiddenFeatures.Count;
        if (view.FeaturesAlongRows)
        {
            // Stored hidden × units: each feature is a stored row; read it whole unless few of its units are wanted.
            long rowLength = view.UnitCount;
            bool whole = unitCount == rowLength;
            bool sparse = !whole && (long)unitCount * 64 < rowLength;
            float[]? row = whole || sparse ? null : new float[rowLength];
            for (int f = 0; f < count; f++)
            {
                long rowStart = hiddenFeatures[f] * rowLength;
                Span<float> target = values.Slice(f * unitCount, unitCount);
                if (whole)
                {
                    source.ReadFloat32(view.Tensor, rowStart, target);
                }
                else if (sparse)
                {
                    for (int u = 0; u < unitCount; u++)
                    {
                        source.ReadFloat32(view.Tensor, rowStart + units[u], target.Slice(u, 1));
                    }
                }
                else
                {
                    source.ReadFloat32(view.Tensor, rowStart, row);
                    for (int u = 0; u < unitCount; u++)
                    {
                        target[u] = row![units[u]];
                    }
                }
            }

            return;
        }

        // Stored units × hidden: read the run of each unit's row that covers the features (short for a window).
        long featureCount = view.FeatureCount;
        int low = hiddenFeatures.Min();
        var run = new float[hiddenFeatures.Max() - low + 1];
        for (int u = 0; u < unitCount; u++)
        {
            source.ReadFloat32(view.Tensor, (units[u] * featureCount) + low, run);
            for (int f = 0; f < count; f++)
            {
                values[(f * unitCount) + u] = run[hiddenFeatures[f] - low];
            }
        }
    }
}
