using TensorGuard.Core.Compliance;
using TensorGuard.Core.Formats;
using TensorGuard.ModelFactory;
using TensorGuard.ModelFactory.Formats;

namespace TensorGuard.Core.Tests.Compliance;

public sealed class EmbeddedDeclarationsTests : IDisposable
{
    private static readonly TestModel Llama = TestModels.Create(ModelFamily.Llama, seed: 1)
        .WithCard(card => card with { ModelName = "Llama-Helper-7B", BaseModel = ["meta-llama/Llama-3.1-8B", "other-org/helper"] });

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Fill_GgufWithoutCard_TakesNameLicenseAndBasesFromItsMetadata()
    {
        string path = Path.Combine(_directory.Path, "model.gguf");
        GgufModelWriter.Write(Llama.ToGguf(), path);

        DeclaredIdentity declared = Fill(path);

        Assert.Equal(new DeclaredValue<string>("Llama-Helper-7B", DeclarationSource.FileMetadata), declared.Name);
        Assert.Equal(new DeclaredValue<string>("llama3.1", DeclarationSource.FileMetadata), declared.License);
        Assert.Equal(["meta-llama/Llama-3.1-8B", "other-org/helper"], declared.BaseModels!.Value);
        Assert.Equal(DeclarationSource.FileMetadata, declared.BaseModels.Source);
    }

    [Fact]
    public void Fill_GgufWithCard_KeepsWhatTheCardDeclares()
    {
        string path = Path.Combine(_directory.Path, "model.gguf");
        GgufModelWriter.Write(Llama.ToGguf(), path);
        _directory.Write("README.md", "---\nlicense: apache-2.0\nmodel_name: Card-Name\n---\n");

        DeclaredIdentity declared = Fill(path);

        Assert.Equal(new DeclaredValue<string>("Card-Name", DeclarationSource.ModelCard), declared.Name);
        Assert.Equal(new DeclaredValue<string>("apache-2.0", DeclarationSource.ModelCard), declared.License);
        Assert.Equal(DeclarationSource.FileMetadata, declared.BaseModels!.Source);
    }

    [Fact]
    public void Fill_SafetensorsWithoutCard_AddsNothing()
    {
        string path = Llama.WithoutCard().Save(Path.Combine(_directory.Path, "model")).Directory;

        DeclaredIdentity declared = Fill(path);

        Assert.Equal(DeclarationSource.FileName, declared.Name.Source);
        Assert.Null(declared.License);
        Assert.Null(declared.BaseModels);
    }

    [Fact]
    public void Fill_MergedAdapterWithoutCard_DeclaresTheAdaptersBase()
    {
        TestModel plain = TestModels.Create(ModelFamily.Llama, seed: 1);
        string adapter = plain.TrainLora(rank: 4).WithoutCard().Save(Path.Combine(_directory.Path, "adapter")).Directory;
        string baseModel = plain.Save(Path.Combine(_directory.Path, "base")).Directory;

        DeclaredIdentity declared = DeclaredIdentityReader.Read(adapter);
        using LoadedModel model = ModelLoader.Open(adapter, baseModel);
        declared = EmbeddedDeclarations.Fill(declared, model);

        Assert.Equal(new[] { plain.Id }, declared.BaseModels!.Value);
        Assert.Equal(DeclarationSource.FileMetadata, declared.BaseModels.Source);
        Assert.Null(declared.License);
    }

    private static DeclaredIdentity Fill(string path)
    {
        DeclaredIdentity declared = DeclaredIdentityReader.Read(path);
        using LoadedModel model = ModelLoader.Open(path);
        return EmbeddedDeclarations.Fill(declared, model);
    }
}
