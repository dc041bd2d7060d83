from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="mutransformers",
    version="0.1.0",
    description="muP (Maximal Update Parametrization) for HuggingFace transformers: BERT, GPT-2 and more",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["mutransformers", "mutransformers.*"]),
    python_requires=">=3.10",
    # Ranges are the ones the test suite runs on (see README, "Tested with").
    install_requires=[
        "torch>=2.6",
        "transformers>=5.23,<6",
        "mup==1.0.0",
        "numpy>=1.26",
        "matplotlib>=3.8",
        "tqdm>=4.66",
        "safetensors>=0.4",
    ],
    extras_require={
        "sweep": ["optuna>=4", "psycopg2-binary>=2.9"],  # distributed sweeps over a shared (PostgreSQL) database
        "train": ["accelerate>=1.1"],  # HF Trainer
        # mutransformers tune / train: Optuna's samplers, datasets saved with save_to_disk, Trainer
        "tune": ["optuna>=4", "datasets>=3", "accelerate>=1.1"],
        "peft": ["peft>=0.13"],  # LoRA adapters on muP models (mutransformers.adapters)
        "docs": ["mkdocs>=1.6,<2", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "mkdocs-gen-files>=0.5",
                 "mkdocs-macros-plugin>=1.3"],
        "dev": ["pytest>=8", "pytest-xdist>=3.5", "hypothesis>=6.100", "nbclient>=0.10", "nbformat>=5.9",
                "ipykernel>=6.29", "optuna>=4", "accelerate>=1.1", "peft>=0.13", "datasets>=3",
                "psycopg2-binary>=2.9", "pgserver>=0.1.4",  # pgserver: the PostgreSQL the sweep test starts
                "mkdocs>=1.6,<2", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "mkdocs-gen-files>=0.5",
                "mkdocs-macros-plugin>=1.3"],
    },
    package_data={"mutransformers": ["generic_verified.json"]},  # the check-arch results we measured
    entry_points={"console_scripts": ["mutransformers=mutransformers.cli:main"]},
)
