using TensorGuard.Core.Fingerprints;
using TensorGuard.Core.Fingerprints.Gradient;
using TensorGuard.Core.Fingerprints.Lineage;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Fingerprints.Lineage;

/// <summary>Convolutional nets and MLP heads: kernels read as matrices, derived and unrelated pairs told apart.</summary>
public sealed class NonTransformerLineageTests
{
    public static TheoryData<ModelFamily> Families() => new(ModelFamily.ConvNet, ModelFamily.MlpHead);

    [Theory]
    [MemberData(nameof(Families))]
    public void Compare_FineTunedWeights_AreDerived(ModelFamily family)
    {
        TestModel model = TestModels.Create(family, seed: 1);

        LineageComparison result = LineageComparer.Compare(LineageSketcher.Sketch(model), model.FineTune(0.05, seed: 3));

        Assert.Equal(LineageVerdict.Derived, result.Verdict);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Compare_QuantizedAndOnnxExported_AreDerived(ModelFamily family)
    {
        TestModel model = TestModels.Create(family, seed: 1);

        LineageComparison result = LineageComparer.Compare(LineageSketcher.Sketch(model), model.FineTune(0.02, seed: 4).QuantizeInt8().ToOnnx());

        Assert.Equal(LineageVerdict.Derived, result.Verdict);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Compare_IndependentWeightsOfTheSameShapes_AreNotDerived(ModelFamily family)
    {
        TestModel model = TestModels.Create(family, seed: 1);

        LineageComparison result = LineageComparer.Compare(LineageSketcher.Sketch(model), model.Reinitialize(seed: 2));

        Assert.Equal(LineageVerdict.NotDerived, result.Verdict);
    }

    [Fact]
    public void Compare_ModelTooSmallForTheStatistics_SaysSo()
    {
        TestModel tiny = TestModels.Create(Architecture.Default(ModelFamily.MlpHead) with { Layers = 1 }, seed: 1);

        LineageComparison result = LineageComparer.Compare(LineageSketcher.Sketch(tiny), tiny);

        Assert.Equal(LineageVerdict.Inconclusive, result.Verdict);
        Assert.Contains("too small for the statistics to decide", result.Reason);
    }

    [Fact]
    public void Compare_TransformerWithConvNet_IsNotDerivedByWidth()
    {
        LineageSketch llama = LineageSketcher.Sketch(TestModels.Create(ModelFamily.Llama, seed: 1));

        LineageComparison result = LineageComparer.Compare(llama, TestModels.Create(ModelFamily.ConvNet, seed: 1));

        Assert.Equal(LineageVerdict.NotDerived, result.Verdict);
        Assert.Contains("hidden size", result.Reason);
    }

    [Fact]
    public void Sketch_ConvNet_UsesTheChannelCountAsHiddenWidth()
    {
        TestModel model = TestModels.Create(ModelFamily.ConvNet, seed: 1);

        LineageSketch sketch = LineageSketcher.Sketch(model);

        Assert.Equal(model.Architecture.HiddenSize, sketch.HiddenSize);
        Assert.Contains(sketch.Views, view => view.TensorName.StartsWith("features.", StringComparison.Ordinal));
    }

    [Fact]
    public void Gradient_ConvNet_AnalysesKernelsAsOutByInTimesKernelMatrices()
    {
        TestModel model = TestModels.Create(ModelFamily.ConvNet, seed: 1);

        GradientComputation computation = GradientFingerprinter.Compute(model, "convnet", model.ParameterCount, GradientParameters.Default);

        TensorGradient kernel = computation.Fingerprint.Tensors.First(t => t.Name == "features.2.conv.weight");
        Assert.Equal([32L, 32, 3, 3], kernel.Shape);
        Assert.Contains(computation.Fingerprint.Tensors, t => t.Name == "classifier.weight");
    }

    [Fact]
    public void WeightMatrix_StackedExpertMatrices_AreNotKernels()
    {
        var experts = new Core.Formats.TensorEntry("experts", Core.Formats.TensorDType.F32, [8, 256, 128], "memory");
        var kernel = new Core.Formats.TensorEntry("conv", Core.Formats.TensorDType.F32, [64, 32, 3, 3], "memory");

        Assert.False(WeightMatrix.Is(experts));
        Assert.True(WeightMatrix.Is(kernel));
        Assert.Equal((64L, 288L), (WeightMatrix.Rows(kernel), WeightMatrix.Columns(kernel)));
    }
}
