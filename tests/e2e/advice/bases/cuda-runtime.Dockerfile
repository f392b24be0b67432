# Plays the part of nvidia/cuda:12.4.1-runtime-ubuntu22.04 (no CUDA image can be pulled here): the
# debootstrap Debian base, the ENV lines NVIDIA's base and runtime Dockerfiles set (values as in
# their 12.4.1 ubuntu22.04 files), and a /usr/local/cuda-12.4 tree whose libraries are PLACEHOLDER
# files of random bytes at realistic-looking names (not CUDA, not loadable).
FROM localhost/debian:bookworm-slim
ENV NVARCH=x86_64
ENV NVIDIA_REQUIRE_CUDA="cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471 brand=nvidia,driver>=470,driver<471 brand=geforce,driver>=535,driver<536"
ENV NV_CUDA_CUDART_VERSION=12.4.127-1
ENV CUDA_VERSION=12.4.1
RUN mkdir -p /usr/local/cuda-12.4/targets/x86_64-linux/lib \
 && cd /usr/local/cuda-12.4/targets/x86_64-linux/lib \
 && head -c 741000 /dev/urandom > libcudart.so.12.4.127 && ln -s libcudart.so.12.4.127 libcudart.so.12 \
 && ln -s targets/x86_64-linux/lib /usr/local/cuda-12.4/lib64 \
 && ln -s cuda-12.4 /usr/local/cuda-12 && ln -s cuda-12 /usr/local/cuda \
 && echo /usr/local/cuda/lib64 > /etc/ld.so.conf.d/000_cuda.conf
ENV PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64
ENV NVIDIA_VISIBLE_DEVICES=all
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility
# runtime flavour: the math libraries (placeholders)
ENV NV_CUDA_LIB_VERSION=12.4.1-1
ENV NV_LIBCUBLAS_VERSION=12.4.5.8-1
RUN cd /usr/local/cuda-12.4/targets/x86_64-linux/lib \
 && head -c 9000000 /dev/urandom > libcublas.so.12.4.5.8 && ln -s libcublas.so.12.4.5.8 libcublas.so.12 \
 && head -c 6000000 /dev/urandom > libcublasLt.so.12.4.5.8 && ln -s libcublasLt.so.12.4.5.8 libcublasLt.so.12 \
 && head -c 4000000 /dev/urandom > libcufft.so.11.2.1.3 && ln -s libcufft.so.11.2.1.3 libcufft.so.11 \
 && head -c 180000 /dev/urandom > libnvToolsExt.so.1.0.0 && ln -s libnvToolsExt.so.1.0.0 libnvToolsExt.so.1
CMD ["bash"]
