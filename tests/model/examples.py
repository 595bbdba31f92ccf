"""Small valid examples of every concrete 4DN type that has no insert, as a submitter would send them.

Links are written as identifiers (aliases, accessions, name keys); tests replace them with uuids before
validating, since only the schema is under test here. Each factory takes overrides so a test can build a
variant in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Item = dict[str, Any]
LAB = {"lab": "test-lab", "award": "1U01CA200059-01"}
ATTACHMENT = {"download": "gel.png", "type": "image/png", "href": "data:image/png;base64,iVBORw0KGgo="}


def _item(**fields: Any) -> Callable[..., Item]:
    def factory(**overrides: Any) -> Item:
        return {**fields, **overrides}

    return factory


EXAMPLES: dict[str, Callable[..., Item]] = {
    "User": _item(email="ada@example.org", first_name="Ada", last_name="Lovelace", lab="test-lab"),
    "AccessKey": _item(access_key_id="ABCDEF12", user="ada@example.org"),
    "Ontology": _item(ontology_name="Experimental Factor Ontology", ontology_prefix="EFO"),
    "OntologyTerm": _item(
        term_id="EFO:0002784", term_name="GM12878", preferred_name="GM12878", source_ontologies=["EFO"]
    ),
    "Document": _item(aliases=["test-lab:doc1"], description="Gel image", attachment=ATTACHMENT, **LAB),
    "Publication": _item(ID="PMID:25497547", published_by="4DN", exp_sets_prod_in_pub=["test-lab:set1"], **LAB),
    "PublicationTracking": _item(
        title="Chromatin loops in GM12878", status="in preparation", contact_author="ada@example.org", **LAB
    ),
    "Software": _item(name="bwa", version="0.7.17", software_type=["aligner"], **LAB),
    "AnalysisStep": _item(
        name="bwa-mem",
        version="1",
        software_used="test-lab:bwa",
        input_file_info=[{"input_file_type": "reads", "input_file_format": "fastq"}],
        **LAB,
    ),
    "GenomicRegion": _item(
        genome_assembly="GRCh38", chromosome="8", start_coordinate=127735434, end_coordinate=127742951, **LAB
    ),
    "Gene": _item(geneid="10664", preferred_symbol="CTCF", **LAB),
    "BioFeature": _item(
        description="CTCF protein",
        feature_type="SO:0000104",
        relevant_genes=["10664"],
        feature_mods=[{"mod_type": "GFP", "mod_position": "C-terminal"}],
        **LAB,
    ),
    "Construct": _item(name="pX330-CTCF", construct_type="crispr construct", construct_vendor="addgene", **LAB),
    "Modification": _item(
        description="CTCF degron knock-in",
        modification_type="Crispr",
        genomic_change="insertion",
        constructs=["test-lab:pX330-CTCF"],
        **LAB,
    ),
    "Antibody": _item(antibody_name="anti-CTCF", antibody_product_no="07-729", antibody_vendor="sigma-aldrich", **LAB),
    "Image": _item(aliases=["test-lab:img1"], title="Cells at harvest", attachment=ATTACHMENT, **LAB),
    "TreatmentAgent": _item(
        treatment_type="Chemical",
        chemical="Auxin",
        concentration=500,
        concentration_units="μM",
        duration=6,
        duration_units="hour",
        **LAB,
    ),
    "TreatmentRnai": _item(treatment_type="RNAi", rnai_type="siRNA", target=["test-lab:ctcf"], **LAB),
    "TreatmentChemical": _item(
        treatment_type="Chemical", chemical="Flavopiridol", concentration=1, concentration_units="μM", **LAB
    ),
    "IndividualHuman": _item(
        organism="human",
        sex="female",
        age=35,
        age_units="year",
        life_stage="adult",
        protected_data=True,
        **LAB,
    ),
    "IndividualMouse": _item(organism="mouse", mouse_strain="C57BL/6J", mouse_vendor="test-lab:jax", **LAB),
    "IndividualPrimate": _item(organism="human", primate_life_stage="adult", **LAB),
    "IndividualFly": _item(organism="fruit-fly", fly_strain="w1118", **LAB),
    "IndividualChicken": _item(organism="chicken", strain="White Leghorn", **LAB),
    "IndividualZebrafish": _item(organism="zebrafish", zebrafish_strain="AB", **LAB),
    "BiosampleCellCulture": _item(
        culture_start_date="2024-01-05",
        culture_harvest_date="2024-01-19",
        passage_number=6,
        authentication_protocols=["test-lab:karyotype"],
        **LAB,
    ),
    "Biosample": _item(
        aliases=["test-lab:bs1"],
        biosource=["4DNSRV3SKQ8M"],
        cell_culture_details=["test-lab:cc1"],
        treatments=["test-lab:auxin"],
        biosample_relation=[{"relationship_type": "derived from", "biosample": "test-lab:bs0"}],
        **LAB,
    ),
    "FileFastq": _item(
        aliases=["test-lab:r1"],
        file_format="fastq",
        filename="r1.fastq.gz",
        paired_end="1",
        md5sum="0123456789abcdef0123456789abcdef",
        file_size=1024,
        related_files=[{"relationship_type": "paired with", "file": "test-lab:r2"}],
        flowcell_details=[{"machine": "NB501", "lane": "1"}],
        **LAB,
    ),
    "FileProcessed": _item(
        aliases=["test-lab:pairs1"],
        file_format="pairs",
        filename="out.pairs.gz",
        genome_assembly="GRCh38",
        produced_from=["test-lab:r1"],
        extra_files=[{"file_format": "pairs_px2", "filename": "out.pairs.gz.px2"}],
        **LAB,
    ),
    "FileReference": _item(file_format="chromsizes", file_type="chromosome sizes", genome_assembly="GRCh38", **LAB),
    "FileCalibration": _item(file_format="tiff", filename="beads.tiff", attachment=ATTACHMENT, **LAB),
    "FileMicroscopy": _item(file_format="tiff", filename="cell1.tiff", microscope_settings="test-lab:ms1", **LAB),
    "FileVistrack": _item(
        file_format="bw",
        genome_assembly="GRCh38",
        biosource="4DNSRV3SKQ8M",
        dataset_description="ENCODE CTCF",
        **LAB,
    ),
    "FileFasta": _item(file_format="fasta", file_type="genome reference", **LAB),
    "FileSet": _item(fileset_type="image files (channels)", files_in_set=["test-lab:r1"], **LAB),
    "FileSetCalibration": _item(fileset_type="calibration", files_in_set=["test-lab:cal1"], **LAB),
    "FileSetMicroscopeQc": _item(files_in_set=["test-lab:mic1"], objective_na=1.4, bead_diameter=100, **LAB),
    "MicroscopeSettingD1": _item(
        image_pixel_size=65, image_channel_encoding="xyzct", ch00_light_source_center_wl=488, **LAB
    ),
    "MicroscopeSettingD2": _item(
        image_pixel_size=65, ch01_detector_model="ORCA-Flash4.0", sample_temperature=37, **LAB
    ),
    "MicroscopeSettingA1": _item(
        camera_chip_type="sCMOS", flatfield_map="test-lab:img1", ch02_power_output="5 mW", **LAB
    ),
    "MicroscopeSettingA2": _item(objective_ri_measured=1.518, ch03_coupling="fiber", **LAB),
    "ImagingPath": _item(
        target=["test-lab:ctcf"],
        labeled_probe="anti-CTCF",
        type_labeled_probe="Antibody",
        labels=["Alexa Fluor 488"],
        imaging_rounds="1-10",
        experiment_type="DNA FISH",
        **LAB,
    ),
    "ExperimentHiC": _item(
        aliases=["test-lab:hic1"],
        experiment_type="in situ Hi-C",
        biosample="test-lab:bs1",
        digestion_enzyme="MboI",
        digestion_time=120,
        digestion_temperature=37,
        crosslinking_method="1% Formaldehyde",
        crosslinking_time=10,
        crosslinking_temperature=25,
        files=["test-lab:r1", "test-lab:r2"],
        biosample_quantity=2000000,
        biosample_quantity_units="cells",
        protocol="test-lab:hic-protocol",
        **LAB,
    ),
    "ExperimentCaptureC": _item(
        experiment_type="Capture Hi-C",
        biosample="test-lab:bs1",
        digestion_enzyme="DpnII",
        targeted_regions=[{"target": ["test-lab:myc"], "oligo_file": "test-lab:probes"}],
        **LAB,
    ),
    "ExperimentRepliseq": _item(
        experiment_type="2-stage Repli-seq",
        biosample="test-lab:bs1",
        cell_cycle_phase="S",
        stage_fraction="early",
        total_fractions_in_exp=2,
        **LAB,
    ),
    "ExperimentAtacseq": _item(
        experiment_type="ATAC-seq", biosample="test-lab:bs1", transposase="Tn5", pcr_cycles=12, **LAB
    ),
    "ExperimentChiapet": _item(
        experiment_type="ChIA-PET",
        biosample="test-lab:bs1",
        antibody="test-lab:ctcf-ab",
        targeted_factor=["test-lab:ctcf"],
        **LAB,
    ),
    "ExperimentDamid": _item(
        experiment_type="DamID-seq", biosample="test-lab:bs1", targeted_factor=["test-lab:lmnb1"], **LAB
    ),
    "ExperimentSeq": _item(
        experiment_type="ChIP-seq",
        biosample="test-lab:bs1",
        antibody="test-lab:ctcf-ab",
        molecule="genomic DNA",
        fragmentation_method="sonication",
        **LAB,
    ),
    "ExperimentTsaseq": _item(
        experiment_type="TSA-seq",
        biosample="test-lab:bs1",
        secondary_antibody="test-lab:ctcf-ab",
        reaction_buffer="Standard",
        **LAB,
    ),
    "ExperimentMic": _item(
        experiment_type="DNA FISH",
        biosample="test-lab:bs1",
        microscopy_technique="Widefield",
        imaging_paths=[{"path": "test-lab:path1", "channel": "ch00"}],
        microscope_settings_master="test-lab:ms1",
        **LAB,
    ),
    "ExperimentSet": _item(description="Figure 2 experiments", experiments_in_set=["test-lab:hic1"], **LAB),
    "ExperimentSetReplicate": _item(
        aliases=["test-lab:set1"],
        description="GM12878 in situ Hi-C replicates",
        replicate_exps=[
            {"replicate_exp": "test-lab:hic1", "bio_rep_no": 1, "tec_rep_no": 1},
            {"replicate_exp": "test-lab:hic2", "bio_rep_no": 2, "tec_rep_no": 1},
        ],
        **LAB,
    ),
    "Workflow": _item(
        title="Hi-C processing",
        name="hi-c-processing",
        category=["processing"],
        arguments=[{"workflow_argument_name": "fastq1", "argument_type": "Input file", "argument_format": "fastq"}],
        **LAB,
    ),
    "WorkflowRun": _item(
        workflow="test-lab:wf1",
        input_files=[{"workflow_argument_name": "fastq1", "value": "test-lab:r1"}],
        **LAB,
    ),
    "WorkflowRunSbg": _item(workflow="test-lab:wf1", sbg_task_id="task-1", run_status="complete", **LAB),
    "WorkflowRunAwsem": _item(
        workflow="test-lab:wf1",
        awsem_job_id="job-1",
        output_files=[{"workflow_argument_name": "out", "value": "test-lab:pairs1", "value_qc": "test-lab:qc1"}],
        **LAB,
    ),
    "WorkflowMapping": _item(
        name="hic-default",
        workflow="test-lab:wf1",
        data_input_type="experiment",
        workflow_parameters=[{"parameter": "nsplit", "value": "100"}],
        **LAB,
    ),
    "QualityMetricFastqc": _item(**{"Total Sequences": 1000000, "%GC": 41, "Basic Statistics": "PASS"}, **LAB),
    "QualityMetricBamqc": _item(**{"Total Reads": 900000, "% of reads mapped": 95.5, "UU": 700000}, **LAB),
    "QualityMetricPairsqc": _item(**{"Total reads": 800000, "Cis/Trans ratio": 80.1, "convergence": "Good"}, **LAB),
    "QualityMetricWorkflowrun": _item(
        quality_metric_summary=[{"title": "Total reads", "value": "800000", "numberType": "integer"}], **LAB
    ),
    "QualityMetricFlag": _item(flag="FASTQC WARNING", quality_metrics=["test-lab:qc1"], **LAB),
    "SopMap": _item(
        mapid="in-situ-hic-v1",
        sop_name="in situ Hi-C",
        associated_item_type="ExperimentHiC",
        fields_with_default=[{"field_name": "digestion_enzyme", "field_value": "MboI"}],
        **LAB,
    ),
    "SummaryStatistic": _item(
        description="Read counts per sample",
        attachment={**ATTACHMENT, "type": "text/plain", "download": "s.txt"},
        **LAB,
    ),
    "SummaryStatisticHiC": _item(percent_cis_reads=72.5, percent_reads_with_ligation_motif=40.2, **LAB),
}
