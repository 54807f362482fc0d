// Writes the model of bench/tflite-conv.sh (not a test): a 3-D ConvNet, 8 layers of [256, 256, 3, 3, 3] kernels
// (12.4 M weights, float32), once as safetensors (PyTorch's layout) into DIR/safetensors and once as TFLite
// (CONV_3D filters [3, 3, 3, in, out]) into DIR/tflite.
// Run: dotnet run -c Release --project bench/TfliteConvBench DIR
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: TfliteConvBench DIR");
    return 1;
}

Architecture architecture = Architecture.Default(ModelFamily.ConvNet) with { HiddenSize = 256, Layers = 8, ConvolutionDimensions = 3 };
TestModel model = TestModels.Create(architecture, seed: 1);
string safetensors = Path.Combine(args[0], "safetensors"), tflite = Path.Combine(args[0], "tflite");
Directory.CreateDirectory(safetensors);
Directory.CreateDirectory(tflite);
model.Save(safetensors);
TfliteWriter.Save(model, tflite, TfliteWriter.Storage.Float32);
Console.WriteLine($"{model.ParameterCount} weights written to {safetensors} and {tflite}");
return 0;
