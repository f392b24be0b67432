# Plays the part of nvidia/cuda:12.4.1-devel-ubuntu22.04: the runtime image plus the toolchain
# (nvcc, headers, static libraries, driver stubs) as NVIDIA's devel Dockerfile adds it. Every file
# is a PLACEHOLDER of random bytes at the real name; the ENV lines are NVIDIA's.
FROM localhost/nvidia/cuda:12.4.1-runtime-debian12
ENV NV_CUDA_LIB_VERSION=12.4.1-1
ENV NV_CUDA_CUDART_DEV_VERSION=12.4.127-1
ENV NV_NVCC_VERSION=12.4.131-1
ENV NV_LIBCUBLAS_DEV_VERSION=12.4.5.8-1
RUN set -e; C=/usr/local/cuda-12.4; L=$C/targets/x86_64-linux/lib; I=$C/targets/x86_64-linux/include \
 && mkdir -p $C/bin $C/nvvm/bin $I $L/stubs \
 && ln -s targets/x86_64-linux/include $C/include \
 && head -c 5200000 /dev/urandom > $C/bin/nvcc && chmod 755 $C/bin/nvcc \
 && head -c 2100000 /dev/urandom > $C/bin/ptxas && chmod 755 $C/bin/ptxas \
 && head -c 3000000 /dev/urandom > $C/bin/fatbinary && chmod 755 $C/bin/fatbinary \
 && head -c 4400000 /dev/urandom > $C/nvvm/bin/cicc && chmod 755 $C/nvvm/bin/cicc \
 && head -c 12000 /dev/urandom | base64 > $I/cuda_runtime.h \
 && head -c 30000 /dev/urandom | base64 > $I/cuda_runtime_api.h \
 && head -c 90000 /dev/urandom | base64 > $I/cublas_api.h \
 && head -c 1500000 /dev/urandom > $L/libcudart_static.a \
 && head -c 14000000 /dev/urandom > $L/libcublas_static.a \
 && head -c 8000000 /dev/urandom > $L/libcublasLt_static.a \
 && head -c 40000 /dev/urandom > $L/stubs/libcuda.so \
 && ln -s libcudart.so.12 $L/libcudart.so && ln -s libcublas.so.12 $L/libcublas.so
ENV LIBRARY_PATH=/usr/local/cuda/lib64/stubs
