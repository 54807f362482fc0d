using TorchSharp;
using static TorchSharp.torch;

namespace TensorGuard.Core.Tests;

// Proves the native LibTorch stack loads on this machine (see build/LibTorchSharpGlibcxx.targets),
// computes a correct gradient, and that dispose scopes free every tensor they create.
public sealed class TorchSharpRuntimeTests
{
    [Fact]
    public void Backward_OfSumOfSquares_GivesTwiceTheInput()
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor x = tensor(new float[] { 1f, -2f, 3f }, requires_grad: true);
        Tensor loss = (x * x).sum();
        loss.backward();

        Assert.Equal(new float[] { 2f, -4f, 6f }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void DisposeScope_AfterMatrixWork_LeavesNoLiveTensors()
    {
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (NewDisposeScope())
        {
            Tensor w = randn(8, 4, generator: new Generator(7));
            Tensor y = matmul(w, ones(4, 1));
            Assert.Equal(new long[] { 8, 1 }, y.shape);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
