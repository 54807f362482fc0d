namespace TensorGuard.Core.Classification;

/// <summary>One labelled model classified by a classifier that never saw it.</summary>
/// <param name="Name">The model.</param>
/// <param name="Expected">Its labelled family.</param>
/// <param name="Predicted">The family the classifier gave, or <c>unknown</c>.</param>
/// <param name="NearestReference">The labelled model the verdict rests on.</param>
public sealed record HeldOutResult(string Name, string Expected, string Predicted, string NearestReference)
{
    public bool Correct => Predicted == Expected;

    public bool Unknown => Predicted == FamilyClassification.UnknownFamily;
}

/// <summary>Held-out results of one family: every member by leave-one-out, and every member with the whole family left out.</summary>
/// <param name="Family">The family.</param>
/// <param name="LeaveOneOut">Each member classified with only itself removed from the references.</param>
/// <param name="LeaveFamilyOut">
/// Each member classified with the whole family removed; the right answer is then <c>unknown</c>. Empty when
/// removing the family leaves fewer than two bases.
/// </param>
public sealed record FamilyHoldOut(string Family, IReadOnlyList<HeldOutResult> LeaveOneOut, IReadOnlyList<HeldOutResult> LeaveFamilyOut)
{
    public int Correct => LeaveOneOut.Count(r => r.Correct);

    /// <summary>Members called unknown although their family was among the references.</summary>
    public int FalseUnknown => LeaveOneOut.Count(r => r.Unknown);

    /// <summary>Members of the left-out family given a known family instead of unknown.</summary>
    public int MissedUnknown => LeaveFamilyOut.Count(r => !r.Unknown);
}

/// <summary>
/// Cross-validation of the family classifier over labelled fingerprints: leave-one-out for accuracy and
/// false unknowns, leave-one-family-out for missed unknowns. A held-out model is removed from the references
/// (and from the bases when it is one) before the classifier is built, so no number here is in-sample; the
/// classifier's constants (<see cref="ClassifierTuning.Default"/>, nearest neighbour) are fixed, not chosen on the
/// folds. The fixed constants were themselves chosen on these models, so <see cref="NestedLeaveOneOut"/> gives the
/// held-out figure for the whole procedure: it chooses them on the other models only, for every held-out model.
/// </summary>
public static class CrossValidation
{
    /// <summary>
    /// The constants nested cross-validation chooses among, fixed before any was scored: prior strengths ν in
    /// half-decade steps, and contribution caps of 1, 2, 3 and 5 within-family deviations or none.
    /// </summary>
    public static readonly IReadOnlyList<ClassifierTuning> TuningGrid =
        [.. from nu in new[] { 0.01, 0.03, 0.1, 0.3, 1, 3 } from cap in new[] { 1, 2, 3, 5, double.PositiveInfinity } select new ClassifierTuning(nu, cap)];

    /// <summary>
    /// Nested leave-one-out for TensorGuard's method: for each labelled model, the constants are the grid point
    /// that classifies the other models best by an inner leave-one-out over them alone; the held-out model is then
    /// classified with them. Ties go to the larger ν (it trusts few labelled models less), then to the larger cap
    /// (the smaller change to the distance).
    /// </summary>
    public static IReadOnlyList<(HeldOutResult Result, ClassifierTuning Tuning)> NestedLeaveOneOut(IReadOnlyList<ReferenceBase> bases, IReadOnlyList<ReferenceBase> references)
    {
        var all = bases.Concat(references).ToArray();
        return all.Select(heldOut =>
        {
            bool Outer(ReferenceBase other) => other.Name != heldOut.Name;
            ReferenceBase[] innerBases = bases.Where(Outer).ToArray();
            ReferenceBase[] innerReferences = references.Where(Outer).ToArray();
            ClassifierTuning chosen = TuningGrid
                .Select(tuning => (tuning, Correct: innerBases.Concat(innerReferences)
                    .Count(inner => Classify(innerBases, innerReferences, ClassifierMethod.TensorGuard, inner, other => other.Name != inner.Name, tuning).Correct)))
                .OrderByDescending(c => c.Correct)
                .ThenByDescending(c => c.tuning.Shrinkage)
                .ThenByDescending(c => c.tuning.ContributionCap)
                .First().tuning;
            return (Classify(bases, references, ClassifierMethod.TensorGuard, heldOut, Outer, chosen), chosen);
        }).ToArray();
    }

    /// <summary>Runs both schemes over every model of <paramref name="bases"/> and <paramref name="references"/>.</summary>
    public static IReadOnlyList<FamilyHoldOut> Run(IReadOnlyList<ReferenceBase> bases, IReadOnlyList<ReferenceBase> references, ClassifierMethod method)
    {
        var all = bases.Concat(references).ToArray();
        return all.Select(model => model.Family)
            .Distinct(StringComparer.Ordinal)
            .Select(family => new FamilyHoldOut(
                family,
                all.Where(model => model.Family == family)
                    .Select(model => Classify(bases, references, method, model, other => other.Name != model.Name))
                    .ToArray(),
                LeaveFamilyOut(bases, references, method, all, family)))
            .ToArray();
    }

    private static HeldOutResult[] LeaveFamilyOut(IReadOnlyList<ReferenceBase> bases, IReadOnlyList<ReferenceBase> references, ClassifierMethod method, ReferenceBase[] all, string family)
    {
        if (bases.Count(b => b.Family != family) < 2)
        {
            return [];
        }

        return all.Where(model => model.Family == family)
            .Select(model => Classify(bases, references, method, model, other => other.Family != family))
            .ToArray();
    }

    private static HeldOutResult Classify(
        IReadOnlyList<ReferenceBase> bases,
        IReadOnlyList<ReferenceBase> references,
        ClassifierMethod method,
        ReferenceBase heldOut,
        Func<ReferenceBase, bool> kept,
        ClassifierTuning? tuning = null)
    {
        var classifier = new FamilyClassifier(bases.Where(kept).ToArray(), method, references.Where(kept).ToArray(), tuning);
        FamilyClassification result = classifier.Classify([new NamedFeatures(heldOut.Name, heldOut.Features)]).Results[0];
        return new HeldOutResult(heldOut.Name, heldOut.Family, result.Family, result.NearestReference);
    }
}
