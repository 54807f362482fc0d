# syntax=docker/dockerfile:1
# The image of the TensorGuard GitHub Action (see action.yml and .github/workflows/release.yml).
# GitHub runs container actions as root with the workspace mounted at GITHUB_WORKSPACE and as the working
# directory, so this file sets neither USER nor WORKDIR and uses absolute paths throughout.

# Ubuntu 24.04 images: their libstdc++ has GLIBCXX_3.4.32, which TorchSharp's native library needs.
FROM --platform=linux/amd64 mcr.microsoft.com/dotnet/sdk:10.0-noble AS build

# Restore layer: only what restore reads, so that source edits do not download packages again.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props /src/
COPY build/ /src/build/
COPY tests/Directory.Build.props /src/tests/
COPY src/TensorGuard.Core/TensorGuard.Core.csproj /src/src/TensorGuard.Core/
COPY src/TensorGuard.GitHub/TensorGuard.GitHub.csproj /src/src/TensorGuard.GitHub/
COPY src/TensorGuard.Cli/TensorGuard.Cli.csproj /src/src/TensorGuard.Cli/
COPY src/TensorGuard.ModelFactory/TensorGuard.ModelFactory.csproj /src/src/TensorGuard.ModelFactory/
RUN dotnet restore /src/src/TensorGuard.Cli/TensorGuard.Cli.csproj

COPY . /src/
RUN dotnet publish /src/src/TensorGuard.Cli/TensorGuard.Cli.csproj --no-restore -c Release -o /publish

# Runtime: the published app and the LibTorch native libraries it carries, nothing else.
FROM --platform=linux/amd64 mcr.microsoft.com/dotnet/runtime:10.0-noble
COPY --from=build /publish/ /opt/tensorguard/
ENTRYPOINT ["/opt/tensorguard/tensorguard"]
CMD ["action"]
